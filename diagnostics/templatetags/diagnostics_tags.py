from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def pourcent(valeur: Decimal | None) -> str:
    """A share between 0 and 1 as « 45,3 % »; « — » when unknown."""
    if valeur is None:
        return "—"
    return f"{floatformat(valeur * 100, 1)} %"


@register.filter
def indicateur(valeur: object, genre: str) -> str:
    if valeur is None:
        return "—"
    if genre == "part":
        return pourcent(valeur)  # type: ignore[arg-type]
    if genre == "euros":
        return f"{floatformat(valeur, '2g')} €"
    if genre == "nombre":
        return str(intcomma(valeur))
    return str(floatformat(valeur, "-2"))


@register.filter
def get_item_default(mapping: dict, cle: str) -> str:
    return str(mapping.get(cle, ""))
