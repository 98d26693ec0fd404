"""`cnn-visualizer bench`: the app's speed figures measured in one run, printed as a table and,
with --json, as one JSON object on the last line. One module per measurement; cli.py runs them."""
