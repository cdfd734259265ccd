"""One module per sidebar tab: ``layout(state, lang)`` builds it, ``register(app, state)`` wires it."""
