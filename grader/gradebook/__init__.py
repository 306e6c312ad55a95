"""A whole course's grades: the result store, job-array shards, progress, reports, exports.

`autograde` plans the (submission, exercise) grades a store lacks, grades them
in a pool of warm grader processes and writes each to the store as it
completes (`store`, `pool`, `grading`, `progress`, `shards`); `books` turns
stores into gradebooks, `export` writes them for people and LMSs, `report`
says what the class got wrong, `similarity` flags near copies, and `ci`
writes the job-array files that grade a class on GitHub, Slurm or Kubernetes.
"""
