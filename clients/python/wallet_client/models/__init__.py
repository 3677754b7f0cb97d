"""Contains all the data models used in inputs/outputs"""

from .account_balance import AccountBalance
from .asset_sum import AssetSum
from .balance_response import BalanceResponse
from .balances_response import BalancesResponse
from .capture_request import CaptureRequest
from .capture_request_counterparty_type_0 import CaptureRequestCounterpartyType0
from .chain_head import ChainHead
from .currency_balance import CurrencyBalance
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .get_balance_currency import GetBalanceCurrency
from .get_console_file_file import GetConsoleFileFile
from .get_console_file_response_200 import GetConsoleFileResponse200
from .get_system_balance_currency import GetSystemBalanceCurrency
from .get_system_balance_name import GetSystemBalanceName
from .history_item import HistoryItem
from .history_item_metadata_type_0 import HistoryItemMetadataType0
from .history_item_type import HistoryItemType
from .history_response import HistoryResponse
from .hold_request import HoldRequest
from .hold_request_currency import HoldRequestCurrency
from .hold_request_metadata_type_0 import HoldRequestMetadataType0
from .hold_response import HoldResponse
from .hold_response_metadata_type_0 import HoldResponseMetadataType0
from .hold_response_status import HoldResponseStatus
from .holds_response import HoldsResponse
from .list_transactions_currency import ListTransactionsCurrency
from .movement_response import MovementResponse
from .movement_response_metadata_type_0 import MovementResponseMetadataType0
from .movement_response_type import MovementResponseType
from .posting_answer import PostingAnswer
from .posting_answer_from import PostingAnswerFrom
from .posting_answer_to import PostingAnswerTo
from .posting_request import PostingRequest
from .posting_request_currency import PostingRequestCurrency
from .postings_request import PostingsRequest
from .postings_request_metadata_type_0 import PostingsRequestMetadataType0
from .postings_response import PostingsResponse
from .postings_response_metadata_type_0 import PostingsResponseMetadataType0
from .receipt import Receipt
from .reconciliation_response import ReconciliationResponse
from .reversal_entry import ReversalEntry
from .reversal_entry_type import ReversalEntryType
from .reversal_request import ReversalRequest
from .reversal_response import ReversalResponse
from .reversed_amount import ReversedAmount
from .system_account_balances import SystemAccountBalances
from .system_accounts_response import SystemAccountsResponse
from .system_balance_response import SystemBalanceResponse
from .system_currency_balance import SystemCurrencyBalance
from .system_side import SystemSide
from .system_side_systemaccount import SystemSideSystemaccount
from .transaction_request import TransactionRequest
from .transaction_request_counterparty_type_0 import TransactionRequestCounterpartyType0
from .transaction_request_currency import TransactionRequestCurrency
from .transaction_request_metadata_type_0 import TransactionRequestMetadataType0
from .transaction_request_type import TransactionRequestType
from .transaction_response import TransactionResponse
from .transaction_response_metadata_type_0 import TransactionResponseMetadataType0
from .transaction_response_type import TransactionResponseType
from .transfer_request import TransferRequest
from .transfer_request_currency import TransferRequestCurrency
from .transfer_request_metadata_type_0 import TransferRequestMetadataType0
from .transfer_response import TransferResponse
from .transfer_response_metadata_type_0 import TransferResponseMetadataType0
from .user_side import UserSide
from .void_request import VoidRequest

__all__ = (
    "AccountBalance",
    "AssetSum",
    "BalanceResponse",
    "BalancesResponse",
    "CaptureRequest",
    "CaptureRequestCounterpartyType0",
    "ChainHead",
    "CurrencyBalance",
    "ErrorDetail",
    "ErrorResponse",
    "GetBalanceCurrency",
    "GetConsoleFileFile",
    "GetConsoleFileResponse200",
    "GetSystemBalanceCurrency",
    "GetSystemBalanceName",
    "HistoryItem",
    "HistoryItemMetadataType0",
    "HistoryItemType",
    "HistoryResponse",
    "HoldRequest",
    "HoldRequestCurrency",
    "HoldRequestMetadataType0",
    "HoldResponse",
    "HoldResponseMetadataType0",
    "HoldResponseStatus",
    "HoldsResponse",
    "ListTransactionsCurrency",
    "MovementResponse",
    "MovementResponseMetadataType0",
    "MovementResponseType",
    "PostingAnswer",
    "PostingAnswerFrom",
    "PostingAnswerTo",
    "PostingRequest",
    "PostingRequestCurrency",
    "PostingsRequest",
    "PostingsRequestMetadataType0",
    "PostingsResponse",
    "PostingsResponseMetadataType0",
    "Receipt",
    "ReconciliationResponse",
    "ReversalEntry",
    "ReversalEntryType",
    "ReversalRequest",
    "ReversalResponse",
    "ReversedAmount",
    "SystemAccountBalances",
    "SystemAccountsResponse",
    "SystemBalanceResponse",
    "SystemCurrencyBalance",
    "SystemSide",
    "SystemSideSystemaccount",
    "TransactionRequest",
    "TransactionRequestCounterpartyType0",
    "TransactionRequestCurrency",
    "TransactionRequestMetadataType0",
    "TransactionRequestType",
    "TransactionResponse",
    "TransactionResponseMetadataType0",
    "TransactionResponseType",
    "TransferRequest",
    "TransferRequestCurrency",
    "TransferRequestMetadataType0",
    "TransferResponse",
    "TransferResponseMetadataType0",
    "UserSide",
    "VoidRequest",
)
