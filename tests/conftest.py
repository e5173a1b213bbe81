import numpy as np
import pytest
from hypothesis import settings

# Hypothesis fails an example that takes more than 200 ms by default: a timing assertion
# that a busy machine breaks. Timing belongs in `make bench`; here only correctness counts.
settings.register_profile("course", deadline=None)
settings.load_profile("course")


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test (never global seeding)."""
    return np.random.default_rng(20200212)


@pytest.fixture
def ipympl_backend():
    """Panels as a notebook builds them, under ipympl (``%matplotlib widget``)."""
    import matplotlib.pyplot as plt

    old = plt.get_backend()
    plt.switch_backend("module://ipympl.backend_nbagg")
    yield
    plt.close("all")
    plt.switch_backend(old)


@pytest.fixture
def no_logged_callback_errors(caplog):
    """ipywidgets logs (rather than raises) exceptions in widget callbacks: fail on any."""
    import logging

    caplog.set_level(logging.WARNING)
    yield
    bad = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not bad, f"a callback logged: {[r.getMessage() for r in bad]}"


@pytest.fixture
def no_new_pyplot_figures():
    """The test leaves pyplot's list of figures as it found it (static figures register none)."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


@pytest.fixture
def readouts_shown():
    """A check for a panel: every readout shows text, and none of it is NaN."""

    def check(panel):
        for key, w in panel.readouts.items():
            assert "nan" not in w.value.lower() and w.value, key

    return check


@pytest.fixture
def legend():
    """The texts of an axes' legend, in order."""
    return lambda ax: [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.fixture
def png():
    """A check that a static figure is a matplotlib Figure whose static twin is a PNG."""
    from matplotlib.figure import Figure

    from glulib.panels import static_twin

    def check(fig):
        assert isinstance(fig, Figure)
        assert static_twin(fig).data[:8] == b"\x89PNG\r\n\x1a\n"

    return check


# Notebook 08's exercise 3 asks for a Numba-compiled loop, and its checker tells a compiled
# function from a plain one. Under NUMBA_DISABLE_JIT=1 (make test-nojit) numba.njit hands back
# the plain function, so nothing can be compiled and the checker rightly says so: its tests
# run with the JIT only.
_NEEDS_THE_JIT = ("check_reglu_kernel", "test_reglu_kernel_", "test_a_compiled_loop_is_first_run_as_python",
                  "test_a_worked_solution_passes_its_checker[08-2]")


# Bit-for-bit claims about the compiled float32 kernels (the real model's recorded layer equals
# glulib.ffn to the bit) and the compile step's progress lines: without the JIT the kernels run
# as plain Python, whose float32 rounding differs in the last bit, and nothing is compiled.
_COMPILED_ONLY = ("test_the_compile_step_prints_each_kernel", "test_record_holds_each_layers_gate_input",
                  "test_each_ffn_is_glulibs_ffn_on_its_recorded_input", "test_edit_product_is_applied_before_W2")


def pytest_collection_modifyitems(config, items):
    from glulib.jit import jit_disabled

    if not jit_disabled():
        return
    exercise = pytest.mark.skip(reason="needs Numba's JIT: the exercise checks a compiled loop, and "
                                       "NUMBA_DISABLE_JIT compiles nothing")
    compiled = pytest.mark.skip(reason="a property of the compiled kernels (bit-identical float32, compile "
                                       "progress); NUMBA_DISABLE_JIT compiles nothing")
    for item in items:
        if any(key in item.nodeid for key in _NEEDS_THE_JIT):
            item.add_marker(exercise)
        elif any(key in item.nodeid for key in _COMPILED_ONLY):
            item.add_marker(compiled)
