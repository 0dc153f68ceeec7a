"""The screens of the terminal app: profiles, run, jobs and results."""
