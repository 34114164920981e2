"""Contains all the data models used in inputs/outputs"""

from .download_url import DownloadUrl
from .error_body import ErrorBody
from .error_body_details_type_0 import ErrorBodyDetailsType0
from .file_item import FileItem
from .file_page import FilePage
from .gateway_message import GatewayMessage
from .todo import Todo
from .todo_create import TodoCreate
from .todo_page import TodoPage
from .todo_patch import TodoPatch
from .upload_request import UploadRequest
from .upload_url import UploadUrl
from .upload_url_fields import UploadUrlFields

__all__ = (
    "DownloadUrl",
    "ErrorBody",
    "ErrorBodyDetailsType0",
    "FileItem",
    "FilePage",
    "GatewayMessage",
    "Todo",
    "TodoCreate",
    "TodoPage",
    "TodoPatch",
    "UploadRequest",
    "UploadUrl",
    "UploadUrlFields",
)
