"""What is owed and when: the monthly reporting cycle (自查 → 月报 → 汇总) and the start-of-term check windows."""
