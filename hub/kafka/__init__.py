"""Everything that talks to Kafka: connection options, topics, ACLs and the local broker."""
