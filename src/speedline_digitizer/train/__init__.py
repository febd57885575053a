"""Training the segmenter (`digitize train`): data stream, Lightning module, losses."""
from .module import LOSSES, SegmenterModule, make_loss, train

__all__ = ["LOSSES", "SegmenterModule", "make_loss", "train"]
