"""The editor login every editing page shows (one login for the whole app).

:func:`editor_login` renders the login box and returns the logged-in
:class:`songnan_geo.auth.Editor` (or ``None`` for a viewer). The editor lives in
``st.session_state["tracker_editor"]`` (:data:`SESSION_KEY`), the same on every page: logging in
on one page logs in on all of them, logging out likewise.
"""
from __future__ import annotations

import streamlit as st

from songnan_geo import auth
from songnan_geo.text.i18n import t

#: Session-state key of the logged-in editor, shared by every page.
SESSION_KEY = "tracker_editor"


def _configured_editors() -> tuple[set[str], str | None]:
    """(usernames of the configured editors, error text when the secrets cannot be read)."""
    try:
        return set(auth.load_editors()), None
    except auth.EditorConfigError as exc:
        return set(), str(exc)


def client_address() -> str | None:
    """The client's address for login throttling: ``st.context.ip_address`` (the WebSocket
    peer, or the address that a proxy at a trusted address forwards), None when unknown
    (localhost, or no connection as under AppTest, where it is not a string)."""
    address = st.context.ip_address
    return address if isinstance(address, str) else None


def editor_login(store, lang: str, key: str, readonly_note: str | None = None) -> auth.Editor | None:
    """Render the editor login box in the current container; return the logged-in editor.

    Shows, depending on the editors' secrets (:func:`songnan_geo.auth.load_editors`): the error
    when they cannot be read; a read-only notice naming
    ``python -m songnan_geo editor add USER`` when there is no editor; else a login form
    (collapsed expander) with the throttling and wrong-password messages, or, once logged in,
    the editor's name and a logout button. An editor removed from the secrets meanwhile, or
    anything in the session that :func:`songnan_geo.auth.authenticate` did not make (a forged
    :class:`~songnan_geo.auth.Editor`, a name), is logged out (back to read-only).

    Parameters
    ----------
    store : songnan_geo.store.tracker.TrackerStore
        Keeps failed logins, so that repeated failures are throttled across sessions, per
        username and per client address (``st.context.ip_address``: the WebSocket peer, or
        the address a proxy at a trusted address forwards; None from localhost).
    lang : str
        'zh' or 'en'.
    key : str
        Prefix of this page's widget keys (``{key}_user``, ``{key}_password``, form
        ``{key}_login``, ``{key}_logout``), so two pages never share a widget.
    readonly_note : str, optional
        Caption under the login form telling a viewer what logging in allows (default: the
        tracker's "log in to record status changes").

    Returns
    -------
    songnan_geo.auth.Editor or None
        The editor stored under :data:`SESSION_KEY` (shared by every page), None for a viewer.
    """
    usernames, error = _configured_editors()
    editor = st.session_state.get(SESSION_KEY)
    if editor is not None and not (isinstance(editor, auth.Editor) and editor.is_genuine()
                                   and editor.username in usernames):
        # removed meanwhile, or not made by a password check in this process: read-only
        editor = st.session_state[SESSION_KEY] = None
    if error:
        st.error(t("tr_editors_error", lang))
        st.code(error, language=None)
    elif not usernames:
        st.info(t("tr_readonly_no_editors", lang))
        st.code("python -m songnan_geo editor add USER", language="bash")
    elif editor is None:
        with st.expander(t("tr_login", lang), expanded=False):
            with st.form(f"{key}_login", clear_on_submit=False):
                user = st.text_input(t("tr_username", lang), key=f"{key}_user")
                password = st.text_input(t("tr_password", lang), type="password",
                                         key=f"{key}_password")
                if st.form_submit_button(t("tr_login_button", lang)):
                    try:
                        st.session_state[SESSION_KEY] = auth.authenticate(
                            user, password, store=store, client=client_address())
                        st.rerun()
                    except auth.LoginThrottled as exc:
                        st.warning(t("tr_login_throttled", lang).format(s=f"{exc.retry_after_s:.0f}"))
                    except auth.LoginFailed:
                        st.error(t("tr_login_failed", lang))
        st.caption(readonly_note or t("tr_readonly_viewer", lang))
    else:
        st.success(t("tr_logged_in", lang).format(user=editor.username))
        if st.button(t("tr_logout", lang), key=f"{key}_logout"):
            st.session_state[SESSION_KEY] = None
            st.rerun()
    return editor
