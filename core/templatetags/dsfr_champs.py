"""Rendering of form fields in the DSFR: one template (``includes/champ.html``) for every form of Socle."""

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()

# Widgets the DSFR styles as a group of their own (no ``fr-input`` class on them).
CASES = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


def kind(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, CASES):
        return "checkbox"
    if isinstance(widget, forms.FileInput):
        return "upload"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


@register.filter
def dsfr_kind(field: BoundField) -> str:
    """``input``, ``select``, ``upload`` or ``checkbox``: which DSFR group wraps the field."""
    return kind(field)


@register.filter
def dsfr_widget(field: BoundField) -> SafeString:
    """The field's own widget (values, formats, choices, ``accept``…) with the DSFR classes.

    Django links it to ``<id>_helptext`` and ``<id>_error`` (aria-describedby, aria-invalid): the
    template gives those ids to the hint and the error message.
    """
    css = {"input": "fr-input", "select": "fr-select", "upload": "fr-upload", "checkbox": ""}[kind(field)]
    if not css:
        return field.as_widget()
    error_css = f" {css}--error" if field.errors and css != "fr-upload" else ""
    return field.as_widget(attrs={"class": f"{field.field.widget.attrs.get('class', '')} {css}{error_css}".strip()})
