"""Survey waves are partitions keyed by year; the delivery sensor registers them."""

import dagster as dg

waves = dg.DynamicPartitionsDefinition(name="wave")


def wave_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> int:
    return int(context.partition_key)
