"""Growing a line-rendered view without a layout pass.

Setting `virtual_size` asks Textual for a screen-wide layout, and a layout repaints every panel:
at thirty batches a second that costs more than the events themselves, and takes the
interpreter from the engine. A view whose own size does not depend on its content only needs its
scrollbars updated, unless one of them appears or disappears.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_size(view: ScrollView, size: Size) -> bool:
    """Returns True when the view's scroll limits are known only after a layout (a scrollbar
    comes or goes, or the view is not laid out yet); False when they are the new size's now."""
    old = view.virtual_size
    if size == old:
        return False
    width, height = view.container_size
    flips = (old.height > height) != (size.height > height) or \
        (old.width > width) != (size.width > width)
    if not view.is_mounted or not width or not height:
        view.virtual_size = size
        return True
    if flips:
        # A scrollbar comes or goes: that takes a layout. Deciding the scrollbars now, as the
        # layout would, saves it asking for a second one (and the scrollbar for a third).
        view.set_reactive(Widget.virtual_size, size)
        view._refresh_scrollbars()  # Textual's own step (8.2.8): it asks for the layout
        view.refresh()
        return True
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)  # what Textual itself does when it sizes a widget (8.2.8)
    view.refresh()
    return False
