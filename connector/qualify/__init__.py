"""The qualification core: pure functions from (contact, activities, model, clock) to a Qualification.

    model = load_model()                      # mappings/scoring.yaml, or a path
    q = qualify(contact, activities, model, now=datetime.now(UTC))
"""

from connector.qualify.batch import qualify_batch
from connector.qualify.engine import qualify
from connector.qualify.load import load_model
from connector.qualify.scoring_model import ScoringModel

__all__ = ["ScoringModel", "load_model", "qualify", "qualify_batch"]
