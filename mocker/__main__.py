from mocker.cli.main import entry

entry()
