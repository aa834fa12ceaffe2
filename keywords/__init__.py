"""The keyword library: jieba segmentation, term statistics and exports for title writing."""
