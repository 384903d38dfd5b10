"""Predictive scoring (the ``predict`` extra): fit a scorecard on the contacts whose outcome is known, evaluate it
honestly on a held-out part, and export it as an integer scorecard in the scoring YAML format, so that the core
runs it unchanged and every point stays explainable.

    examples = make_examples(pairs, outcome="customer")
    fitted = fit_scorecard(examples, PredictConfig(), base_model_path)
    fitted.yaml_text  # load_model(text=...) loads it like a hand-written model

Only ``fit`` needs scikit-learn (imported lazily, with a clear message when missing); evaluation is pure Python.
"""

from connector.qualify.predict.config import PredictConfig, load_config
from connector.qualify.predict.dataset import Example, Split, make_examples, split_examples
from connector.qualify.predict.evaluate import Evaluation, evaluate_model

__all__ = ["Evaluation", "Example", "PredictConfig", "Split", "evaluate_model", "load_config", "make_examples",
           "split_examples"]
