"""Reports: the run folder (CSV, JSON, PNG). Reports read results; they never steer a run."""

from .folder import write_run_folder

__all__ = ["write_run_folder"]
