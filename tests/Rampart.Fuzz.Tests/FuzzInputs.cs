namespace Rampart.Fuzz.Tests;

/// <summary>The fuzz inputs kept in the repository: fuzz/corpus/TARGET (seeds) and fuzz/crashes/TARGET (found crashes).</summary>
internal static class FuzzInputs
{
    public static string FuzzFolder { get; } = FindFuzzFolder();

    /// <summary>(target, file name) for every file under fuzz/<paramref name="kind"/>/TARGET.</summary>
    public static List<(string Target, string Name)> Files(string kind)
    {
        var data = new List<(string Target, string Name)>();
        foreach (var target in FuzzTargets.Names)
        {
            var folder = Path.Combine(FuzzFolder, kind, target);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                data.Add((target, Path.GetFileName(file)));
            }
        }

        return data;
    }

    public static byte[] Read(string kind, string target, string name) => File.ReadAllBytes(Path.Combine(FuzzFolder, kind, target, name));

    private static string FindFuzzFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Rampart.slnx")))
        {
            directory = directory.Parent;
        }

        return directory is null
            ? throw new DirectoryNotFoundException("the repository (Rampart.slnx) is not above " + AppContext.BaseDirectory)
            : Path.Combine(directory.FullName, "fuzz");
    }
}
