"""The live training page: settings, the run's progress, curves, feature maps, kernels, results.

The run itself happens in a child process (``visualizer.training.process``); this package only
draws the events it sends, at most once per frame.
"""
