import re

from django.utils.translation import gettext
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (a whole number from 1; above 500 it is 500). A page size that is
    not a positive whole number is a 400 naming the parameter, not silently the default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        significant = raw.lstrip("0")
        if not re.fullmatch(r"[0-9]+", significant):  # also refuses 0, -1, 1.5 and abc
            raise ValidationError({self.page_size_query_param: [gettext("Enter a whole number of at least 1.")]})
        # Converting a 5,000-digit number would itself fail: anything that long is simply the most.
        return self.max_page_size if len(significant) > 6 else min(int(significant), self.max_page_size)
