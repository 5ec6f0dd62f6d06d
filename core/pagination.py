"""Pagination of the lists, rendered with the DSFR ``fr-pagination`` (include « core/pagination.html »)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 50


def paginate(request: HttpRequest, object_list: Any, per_page: int = PER_PAGE) -> Page:
    """The page asked for with ``?page=N`` (the last one when N is too big, the first one when it is not a number)."""
    paginator = Paginator(object_list, per_page)
    page = paginator.get_page(request.GET.get("page"))
    # Page numbers around the current one, with Paginator.ELLIPSIS for the gaps.
    page.voisines = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page
