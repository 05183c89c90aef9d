from mocker.cli.launch import entry

entry()
