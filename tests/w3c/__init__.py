"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol suites, played over HTTP against srkb."""
