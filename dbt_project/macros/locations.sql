{#- The one place for location names: the canonical name of a location as sources write it, looked up in the
    seed `location_aliases` (case-insensitive, trimmed); a name not in the seed is kept, trimmed.
    `'S-Gravenhage` -> Den Haag, `AMSTERDAM` -> Amsterdam, `Utrecht` -> Utrecht.
    The lookup is a scalar subquery, so `expr` must not name the seed's columns (`alias`, `canonical_location`)
    unqualified. -#}
{% macro canonical_location(expr) -%}
    coalesce(
        (select max(location_aliases.canonical_location)
         from {{ ref('location_aliases') }} as location_aliases
         where lower(trim(location_aliases.alias)) = lower(trim({{ expr }}))),
        trim({{ expr }})
    )
{%- endmacro %}
