"""Thin views: parse, call one action or query, render. Split by use case."""
