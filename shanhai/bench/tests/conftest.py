from shanhai.synth.tests.conftest import tiny  # noqa: F401 (the tiny dataset, made once)
