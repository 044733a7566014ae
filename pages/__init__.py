"""The dashboard pages (run by app.py through st.navigation): layout only."""
