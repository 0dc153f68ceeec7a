"""FastStream consumers of the log: the planner, the engine workers and completion."""
