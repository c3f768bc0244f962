namespace Rampart.Core.Policy;

/// <summary>Builds "not found" messages that suggest the closest existing name (Levenshtein distance, ignoring case).</summary>
public static class NameSuggestion
{
    public static string NotFound(string kind, string name, IEnumerable<string> existing)
    {
        var closest = Closest(name, existing);
        return closest is null
            ? $"no {kind} named '{name}' (there are none)"
            : $"no {kind} named '{name}'; did you mean '{closest}'?";
    }

    /// <summary>
    /// The candidate nearest to <paramref name="name"/>, also comparing with each candidate's prefix of the same length,
    /// so an abbreviated name ("Secure Srever") still finds its long form.
    /// </summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        var typed = name.ToUpperInvariant();
        return candidates
            .Select(c => (Name: c, Full: Distance(typed, c.ToUpperInvariant())))
            .OrderBy(c => Math.Min(c.Full, Distance(typed, c.Name[..Math.Min(c.Name.Length, typed.Length)].ToUpperInvariant())))
            .ThenBy(c => c.Full)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    /// <summary>Levenshtein edit distance: insertions, deletions and substitutions each cost one.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
