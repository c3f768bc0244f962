namespace Rampart.Interop.Tests.Harness;

/// <summary>Where the repository and the shared strongSwan peer scripts (<c>&lt;repo&gt;/../shared</c>) are.</summary>
public static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Rampart.slnx")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// The strongSwan harness: <c>shared/peers/strongswan</c> next to the repository, or next to one of its
    /// parents (a git worktree lives deeper than the main checkout).
    /// </summary>
    public static string StrongSwanScripts
    {
        get
        {
            for (var directory = Directory.GetParent(Root); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "shared", "peers", "strongswan");
                if (File.Exists(Path.Combine(candidate, "charon-start.sh")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException($"shared/peers/strongswan not found next to {Root} or its parents");
        }
    }
}
