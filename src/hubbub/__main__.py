from hubbub.cli.main import app

app()
