"""Pipeline planning and the jobs' library side: the workflow plan the Snakefile builds its DAG
from, ingest into the monthly store, the run summary, and the GOSAT chain's product I/O."""
