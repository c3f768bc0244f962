using System.CommandLine;
using Microsoft.Data.Sqlite;

namespace Rampart.Cli;

/// <summary>Runs a command line: usage errors exit 2, refused or failed operations exit 1, never with a stack trace.</summary>
internal static class CliRunner
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static int Run(RootCommand root, string[] args)
    {
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                Console.Error.WriteLine($"rampart: {error.Message}");
            }

            Console.Error.WriteLine($"Run '{CommandPath(parseResult)} --help' for usage.");
            return UsageError;
        }

        try
        {
            return parseResult.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (SqliteException e)
        {
            Console.Error.WriteLine($"rampart: policy store error: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or PlatformNotSupportedException)
        {
            Console.Error.WriteLine($"rampart: {e.Message}");
        }

        return Failure;
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command.Name);
        }

        names[0] = "rampart";
        return string.Join(' ', names);
    }
}
