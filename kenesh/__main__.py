from kenesh.cli import main

main()
