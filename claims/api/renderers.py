"""The API's JSON renderer: DRF's, except that a lone surrogate (which only a refused input can
carry, echoed in its error message) is sent \\u-escaped, valid JSON, instead of failing with a 500."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            # Arabic stays readable in every other answer; only this one is escaped to ASCII.
            self.ensure_ascii = True
            return super().render(data, accepted_media_type, renderer_context)
