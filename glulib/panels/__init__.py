"""Interactive figures for the notebooks. Each factory builds its figure once, updates
artists in place on every change, and returns a Panel whose ``controls`` a test can set
(``panel.controls["rainfall"].value = 80``) and whose ``readouts`` it can read.

Math never lives here: panels call glulib for every number they show.
"""
