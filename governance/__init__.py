"""The governance workspace: checklist, risks and controls, actions, roles and a hash-chained audit trail."""
