from w3py.cli.main import main

main()
