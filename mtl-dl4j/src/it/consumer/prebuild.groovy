// Takes the README's "Use it in your project" dependencies and its Quickstart program as they stand in README.md and
// puts them into this project: the first ```xml block of the first section and the first ```java block of the second.
def text = new File(readme).getText('UTF-8')

def firstBlock = { String heading, String language ->
    def section = text.find(/(?s)\n## ${heading}\n(.*?)(?=\n## |\z)/) { all, body -> body }
    assert section != null: "README.md has no section '## ${heading}'"
    def block = section.find(/(?s)```${language}\n(.*?)```/) { all, body -> body }
    assert block != null: "README.md section '${heading}' has no ```${language} block"
    return block
}

def dependencies = firstBlock('Use it in your project', 'xml')
assert dependencies =~ /(?s)<artifactId>mtl-dl4j<\/artifactId>\s*<version>${java.util.regex.Pattern.quote(projectVersion)}<\/version>/:
        "README.md's dependency block should name mtl-dl4j ${projectVersion}, the version being built"
def pom = new File(basedir, 'pom.xml')
def marker = '<!-- README dependencies -->'
assert pom.text.contains(marker)
pom.text = pom.text.replace(marker, dependencies)

def program = firstBlock('Quickstart', 'java')
def className = program.find(/public (?:final )?class (\w+)/) { all, name -> name }
assert className == 'Quickstart': "the README's Quickstart should be a public class Quickstart, found: ${className}"
assert !(program =~ /(?m)^package /): "the README's Quickstart should need no package line"
def source = new File(basedir, 'src/main/java/Quickstart.java')
source.parentFile.mkdirs()
source.setText(program, 'UTF-8')
return true
