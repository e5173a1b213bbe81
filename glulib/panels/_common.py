"""Building blocks shared by every panel: figures, labelled controls, readouts, static twins."""

import io
import weakref

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Image

LABEL_WIDTH = "11em"
# The opacity of a live figure's background under ipympl (see ``figure``): below 1, so that
# every frame sent to the browser is a whole image; 0.99 looks the same as 1 on the page.
FULL_FRAME_ALPHA = 0.99


def figure(figsize=(7.5, 3.2), **kwargs):
    """A matplotlib Figure for a panel: not shown on creation (the panel places it) and not
    kept by pyplot.

    ``plt.figure`` registers every figure in pyplot's list until it is closed, so a panel
    rebuilt by rerunning its cell would leave its old figure there (matplotlib warns after
    20). The backend's figure manager is made directly instead (``plt.new_figure_manager``
    does not register it): the figure lives as long as the panel that shows it. Under ipympl
    (``%matplotlib widget``) its canvas is itself a widget; under any other backend the
    panel shows it through ``canvas_widget``'s Output.

    ipympl sends the browser one whole image, then only the pixels that changed. When
    several images arrive together (the panel's first draws, right after Run All), the
    browser starts loading the next before the whole image under it has loaded, drops the
    whole image and draws only the changes: the figure stays blank (seen now and then in
    JupyterLab right after Run All of notebook 00). matplotlib sends a whole image whenever
    a pixel is not opaque, so a live figure's background is ``FULL_FRAME_ALPHA`` opaque:
    each image then stands alone, and the last one to load is the figure. ``static_twin``
    saves the background opaque.
    """
    with plt.ioff():
        fig = plt.new_figure_manager(0, figsize=figsize, **kwargs).canvas.figure
    canvas = fig.canvas
    if isinstance(canvas, widgets.DOMWidget):  # ipympl
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_visible = False
        canvas.resizable = False
        fig.set_facecolor((*fig.get_facecolor()[:3], FULL_FRAME_ALPHA))
    return fig


def canvas_widget(fig):
    """The widget that shows ``fig``: its ipympl canvas, or an Output holding a PNG."""
    if isinstance(fig.canvas, widgets.DOMWidget):
        return fig.canvas
    out = widgets.Output()
    fig._glulib_output = out  # noqa: SLF001 (glulib's own mark on the figure) redraw() refreshes it
    _refresh_output(fig)
    return out


def _refresh_output(fig):
    out = getattr(fig, "_glulib_output", None)
    if out is not None:
        out.clear_output(wait=True)
        with out:
            from IPython.display import display

            display(static_twin(fig))


def redraw(fig):
    """Ask for a redraw after artists were updated in place."""
    fig.canvas.draw_idle()
    _refresh_output(fig)


def static_twin(fig, dpi=100):
    """A PNG image of ``fig`` as it is now: the figure still reads where widgets do not render."""
    buf = io.BytesIO()
    face = fig.get_facecolor()[:3]  # (r, g, b): opaque, whatever a live figure's alpha
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor=face)
    return Image(data=buf.getvalue(), format="png")


def slider(label, value, lo, hi, step, unit="", fmt=".2f"):
    """A labelled float slider; ``unit`` is shown in the label."""
    text = f"{label} ({unit})" if unit else label
    return widgets.FloatSlider(
        value=value, min=lo, max=hi, step=step, description=text, readout_format=fmt,
        continuous_update=True, style={"description_width": LABEL_WIDTH},
        layout=widgets.Layout(width="26em"),
    )


def readout(label):
    """A read-only text line for a live number."""
    return widgets.HTML(value="", description=label, style={"description_width": LABEL_WIDTH})


def group(title, children):
    """A titled box of controls."""
    return widgets.VBox([widgets.HTML(f"<b>{title}</b>"), *children],
                        layout=widgets.Layout(border="1px solid #ddd", padding="4px", margin="2px"))


def _cell_run():
    """(cell id, execution count) of the notebook cell running now, or None outside a Jupyter
    kernel or when the front end sends no cell id (JupyterLab and Notebook 7 do)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        cell_id = shell.kernel.get_parent()["metadata"]["cellId"]
        return (cell_id, shell.execution_count) if cell_id else None
    except (AttributeError, KeyError, TypeError):
        return None


#: cell id -> (execution count, weak references to the panels that run of the cell built)
_BUILT = {}


def _close_tree(widget):
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class Panel:
    """A built panel: ``widget`` to display, ``controls`` and ``readouts`` by name, ``fig``.

    Subclasses (or factories) fill these in and call ``self.update()`` on every change.
    Rerunning a notebook cell closes the panels its previous run built (``close``): every
    widget stays registered with ipywidgets until closed, and with it the figure.
    """

    def __init__(self, widget, controls, readouts, fig, update):
        self.widget = widget
        self.controls = controls
        self.readouts = readouts
        self.fig = fig
        self.update = update
        run = _cell_run()
        if run is not None:
            cell, count = run
            last_count, panels = _BUILT.get(cell, (None, []))
            if last_count != count:  # a new run of the cell: what its last run built is gone
                for ref in panels:
                    if ref() is not None:
                        ref().close()
                panels = []
            _BUILT[cell] = (count, [*panels, weakref.ref(self)])

    def close(self):
        """Close every widget of the panel (its figure's canvas, toolbar and Output too), so
        that ipywidgets lets go of them and of the figure."""
        for w in (*self.controls.values(), *self.readouts.values()):
            _close_tree(w)
        _close_tree(self.widget)
        canvas = self.fig.canvas  # under ipympl a widget, with its toolbar another one
        for w in (canvas, getattr(canvas, "toolbar", None), getattr(self.fig, "_glulib_output", None)):
            if isinstance(w, widgets.Widget):
                w.close()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def static(self):
        """The static twin of the panel's figure."""
        return static_twin(self.fig)


def assemble(controls, readouts, fig, update, controls_title, readouts_title):
    """The usual panel: every control calls ``update`` on a change, ``update`` draws once now,
    and the controls and the readouts sit side by side, each in a titled box, above the figure."""
    for w in controls.values():
        w.observe(update, names="value")
    update()
    box = widgets.VBox([
        widgets.HBox([group(controls_title, list(controls.values())), group(readouts_title, list(readouts.values()))]),
        canvas_widget(fig),
    ])
    return Panel(box, controls, readouts, fig, update)
