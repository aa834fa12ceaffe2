"""The Scrapy project: settings, spiders, items, pipelines and one small adapter per site."""
