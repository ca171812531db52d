"""The template's benchmark: render-to-green time and the service's throughput, as ratios.

`nox -s bench` runs `python -m bench`. The pipeline part is pipeline.py, the service part
service.py with the apps it compares the service with (apps/); report.py prints the tables
and writes them to BENCHMARKS.md and the README.
"""
