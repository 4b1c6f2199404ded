"""The office's web desk (督导室工作台): the ledger, a finding with its history and photos, charts — read-only,
behind a login, showing each person what they may see in chat (bot.domain.permissions)."""
