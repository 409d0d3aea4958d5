"""Real labelled surveillance footage for the per-alert benchmark (docs/footage.md).

`sources` says where each clip comes from, `build` rebuilds a clip from its source into the
footage folder, `labels` turns per-frame ground truth into intrusion intervals, `scoring`
scores alerts against them, `baseline` is the plain running-average detector, and `detectors`
runs watchd and the baseline over a clip. The scripts are `bench/footage_fetch.py` and
`bench/footage_score.py`.
"""
