"""Training the segmenter (`digitize train`): data stream, Lightning module, losses."""
from .module import LOSSES, SegmenterModule, export_checkpoint, make_loss, train

__all__ = ["LOSSES", "SegmenterModule", "export_checkpoint", "make_loss", "train"]
