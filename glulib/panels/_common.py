"""Building blocks shared by every panel: figures, labelled controls, readouts, static twins."""

import base64
import io
import math
import re
import sys
import weakref

import ipywidgets as widgets
import matplotlib.pyplot as plt
import traitlets
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


class FiniteSlider(widgets.FloatSlider):
    """A FloatSlider that refuses NaN and infinities with a clear error.

    ipywidgets clamps a value set from code into [min, max], but NaN compares false with both
    ends and would be kept: every readout and the figure would then show NaN without a word.
    """

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = proposal["value"]
        if not math.isfinite(value):
            raise traitlets.TraitError(
                f"slider {self.description!r}: value must be a finite number between {self.min:g} "
                f"and {self.max:g}, got {value!r}")
        return super()._validate_value(proposal)


def slider(label, value, lo, hi, step, unit="", fmt=".2f"):
    """A labelled float slider (a ``FiniteSlider``); ``unit`` is shown in the label."""
    text = f"{label} ({unit})" if unit else label
    return FiniteSlider(
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


def _in_kernel():
    """True inside a Jupyter kernel (a front end may show widgets), False in a script or in
    plain IPython in a terminal (nothing can show them)."""
    try:
        from IPython import get_ipython

        return getattr(get_ipython(), "kernel", None) is not None
    except ImportError:
        return False


# IPython names a terminal cell's code "<ipython-input-12-3f2a...>" (12: the prompt number);
# ipykernel names it after a hash of the cell's text alone. Without the number, rerunning the
# same code gives the same name.
_PROMPT_NUMBER = re.compile(r"^<ipython-input-\d+-")


def _code_run():
    """(where the building code is, execution count): the file and line of the first caller
    outside glulib, the number stripped from IPython's cell names; None when no kernel runs.

    The stand-in for a cell id in a front end that sends none (classic Notebook, other
    clients): rerunning an unchanged cell runs the same code at the same line."""
    try:
        from IPython import get_ipython

        count = get_ipython().execution_count
    except (ImportError, AttributeError):
        return None
    frame = sys._getframe(1)  # noqa: SLF001 (the standard library's frame access)
    while frame is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] == "glulib":
        frame = frame.f_back
    if frame is None:
        return None
    where = (_PROMPT_NUMBER.sub("<ipython-input-", frame.f_code.co_filename), frame.f_lineno)
    return where, count


#: cell id (or code location) -> (execution count, weak references to the panels that run built)
_BUILT = {}


def _close_tree(widget):
    """Close ``widget``, its children and its Layout and Style (each of them a widget that
    ipywidgets keeps registered until closed)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, widgets.Widget):
            part.close()
    widget.close()


class Panel:
    """A built panel: ``widget`` to display, ``controls`` and ``readouts`` by name, ``fig``.

    Subclasses (or factories) fill these in and call ``self.update()`` on every change.
    Every widget stays registered with ipywidgets until closed, and with it the figure, so:

    - in a kernel, rerunning a cell closes the panels its previous run built (``close``). The
      cell is known by its id (JupyterLab, Notebook 7) or, when the front end sends none, by
      the file and line of the code that built the panel;
    - outside a kernel (a script, IPython in a terminal) nothing can show a widget: the panel
      lets go of ipywidgets' registry at once and lives as long as the caller keeps it. Its
      controls, readouts and figure work as before.
    """

    def __init__(self, widget, controls, readouts, fig, update):
        self.widget = widget
        self.controls = controls
        self.readouts = readouts
        self.fig = fig
        self.update = update
        if not _in_kernel():
            self._unregister()
            return
        run = _cell_run() or _code_run()
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
        """Close every widget of the panel (its figure's canvas, toolbar and Output, and every
        Layout and Style too), so that ipywidgets lets go of them and of the figure."""
        self._unregister()

    def _unregister(self):
        for w in (*self.controls.values(), *self.readouts.values()):
            _close_tree(w)
        _close_tree(self.widget)
        canvas = self.fig.canvas  # under ipympl a widget, with its toolbar another one
        for w in (canvas, getattr(canvas, "toolbar", None), getattr(self.fig, "_glulib_output", None)):
            if isinstance(w, widgets.Widget):
                _close_tree(w)

    #: Show the static twin in the panel's own output, as its fallback (see ``_repr_mimebundle_``)
    #: instead of a cell of its own. A panel sets it once its notebook no longer shows
    #: ``panel.static()`` separately.
    twin_in_output = False

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget's view, and, when ``twin_in_output``, the static twin as ``image/png``
        in the same output.

        A front end shows one type of each output: JupyterLab (and Voila) the live widget,
        alone; wherever widgets do not render (a static page, the course site, a slide deck,
        a PDF, a front end without the widget manager) the image. The figure is then drawn
        once in JupyterLab, and still reads everywhere else."""
        bundle = {"text/plain": f"<{type(self).__name__}: {', '.join(self.controls)}>"}
        if getattr(self.widget, "comm", None) is not None:  # closed (outside a kernel: from the start): no view
            # what ipywidgets 8 (and 7, through _ipython_display_) sends for a widget's view
            bundle["application/vnd.jupyter.widget-view+json"] = {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        if self.twin_in_output:
            bundle["image/png"] = base64.b64encode(self.static().data).decode("ascii")
        return bundle

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
