"""The GitHub adapter: the REST client behind services.github_ports.GithubApi."""
