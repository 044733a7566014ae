"""The contract core: the nine tables as data, reading a dataset folder, and the settings object."""
