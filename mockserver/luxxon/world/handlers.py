"""operationId → the domain function that answers it. Operations missing here (config) have no
world behaviour: the engine serves the spec's documented response for them.
"""

from __future__ import annotations

from collections.abc import Callable

from mockserver.calls import Reply
from mockserver.luxxon.world import keys, sessions, signin, video, views, wallet, workspaces
from mockserver.luxxon.world.context import Ctx

Handler = Callable[[Ctx], Reply]


def _challenge(purpose: str) -> Handler:
    return lambda ctx: Reply(data=signin.challenge(ctx, purpose))


HANDLERS: dict[str, Handler] = {
    "LxWalletAuthController_walletChallenge": _challenge("login"),
    "LxWalletAuthController_walletLogin": signin.login,
    "LxWalletAuthController_selectWorkspace": signin.select_workspace,
    "LxWalletAuthController_logout": signin.logout,
    "LxMeController_me": signin.me,
    "LxHealthController_check": lambda ctx: Reply(data=dict(views.HEALTH)),
    "LxCoverageController_list": workspaces.coverage,
    "LxDemandController_heatmap": workspaces.demand,
    "LxPricingController_quote": wallet.quote,
    "LxWorkspacesController_challenge": _challenge("workspace"),
    "LxWorkspacesController_create": workspaces.create,
    "LxWorkspacesController_list": workspaces.list_mine,
    "LxWorkspacesController_get": workspaces.get,
    "LxWorkspacesController_update": workspaces.update,
    "LxWorkspacesController_heartbeat": workspaces.heartbeat,
    "LxApiKeysController_list": keys.list_keys,
    "LxApiKeysController_create": keys.mint,
    "LxApiKeysController_revoke": keys.revoke,
    "LxSessionsController_create": sessions.create,
    "LxSessionsController_list": sessions.list_visible,
    "LxSessionsController_cancelAllAssignments": sessions.cancel_all,
    "LxSessionsController_get": sessions.get,
    "LxSessionsController_cancel": sessions.cancel,
    "LxSessionsController_dispatch": sessions.dispatch,
    "LxSessionsController_accept": sessions.accept,
    "LxSessionsController_start": sessions.start,
    "LxSessionsController_end": sessions.end,
    "LxSessionsController_frame": sessions.frame,
    "LxSessionsController_viewerToken": sessions.viewer_token,
    "LxSessionsController_producerToken": sessions.producer_token,
    "LxWalletController_getState": wallet.state,
    "LxWalletController_listEvents": wallet.events,
    "LxSettlementController_get": sessions.settlement,
    "LxVideoEventsController_ingest": video.ingest,
}
