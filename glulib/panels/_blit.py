"""Blitting for live panels: redraw only the artists that move, over a cached background.

A full matplotlib draw lays out every tick label and title again; on a slider change only a
few lines, bars and texts move. Under ipympl (``%matplotlib widget``) a Blitter marks those
artists *animated*, caches the rest of the figure after each full draw (the ``draw_event``)
and, on a change, restores the cache, draws the moving artists and blits: the pattern of
Matplotlib's "Faster rendering by using blitting" tutorial. When axes limits change, or
before the first full draw, it asks for a full redraw instead. Under any other backend it
always redraws fully (``_common.redraw``).

Animated artists are left out of ``savefig``; ``static()`` draws them for the static twin.
"""

import ipywidgets as widgets

from ._common import Panel, redraw, static_twin


class Blitter:
    """Redraws ``fig`` by blitting ``artists`` when it can; ``last`` says how ("blit" or "full")."""

    def __init__(self, fig, artists):
        self.fig = fig
        self.artists = list(artists)
        self.enabled = isinstance(fig.canvas, widgets.DOMWidget)  # ipympl's canvas
        self.background = None
        self.last = None
        self._saving = False
        if self.enabled:
            for artist in self.artists:
                artist.set_animated(True)
            fig.canvas.mpl_connect("draw_event", self._on_draw)

    def _on_draw(self, event):
        if self._saving:
            return
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self._draw_artists()

    def _draw_artists(self):
        for artist in self.artists:
            self.fig.draw_artist(artist)

    def redraw(self, full=False):
        """Blit the moving artists, or ask for a full redraw when ``full`` or nothing is cached."""
        if not self.enabled or full or self.background is None:
            self.background = None  # no blitting until the full draw has cached a fresh background
            self.last = "full"
            redraw(self.fig)
            return
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        self._draw_artists()
        canvas.blit(self.fig.bbox)
        self.last = "blit"

    def static(self):
        """The static twin with every artist in it."""
        self._saving = True
        for artist in self.artists:
            artist.set_animated(False)
        try:
            return static_twin(self.fig)
        finally:
            if self.enabled:
                for artist in self.artists:
                    artist.set_animated(True)
            self._saving = False
            self.background = None  # savefig may have laid the figure out anew


class BlitPanel(Panel):
    """A Panel whose figure is redrawn by a Blitter (``panel.blitter``)."""

    def __init__(self, widget, controls, readouts, fig, update, blitter):
        super().__init__(widget, controls, readouts, fig, update)
        self.blitter = blitter

    def static(self):
        """The static twin of the panel's figure, moving artists included."""
        return self.blitter.static()
