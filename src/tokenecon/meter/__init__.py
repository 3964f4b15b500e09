"""The meter: real tokenizers offline, chat overhead, image tokens, a content-hash cache."""

from .chat import chat_segments
from .images import openai_image_tokens, qwen_image_tokens
from .meter import Meter
from .models import MODEL_TOKENIZERS, tokenizer_for_model
from .tokenizers import TOKENIZER_INFO, Tokenizer, get_tokenizer, tokenizer_names

__all__ = [
    "Meter",
    "Tokenizer",
    "get_tokenizer",
    "tokenizer_names",
    "tokenizer_for_model",
    "chat_segments",
    "openai_image_tokens",
    "qwen_image_tokens",
    "MODEL_TOKENIZERS",
    "TOKENIZER_INFO",
]
