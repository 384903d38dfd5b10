"""Package discovery for leadbridge; everything else lives in pyproject.toml.

The top-level mappings/ folder (the YAML an admin edits) is shipped inside the wheel as the package
``connector.shipped_mappings`` so that a non-editable ``pip install .`` finds it with importlib.resources.
"""

from setuptools import find_packages, setup

packages = find_packages(include=["connector", "connector.*", "webhooks", "webhooks.*"])
setup(
    packages=[*packages, "connector.shipped_mappings", "connector.shipped_mappings.examples"],
    package_dir={
        "connector.shipped_mappings": "mappings",
        "connector.shipped_mappings.examples": "mappings/examples",
    },
)
