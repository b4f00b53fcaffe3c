"""Built-in technology and PCM device YAMLs.

This folder ships inside the archsim package as `archsim.builtin_tech` (see pyproject.toml's
package-dir mapping), so `pip install .`, wheels and editable installs all find these files through
`archsim.resources`; it holds no code.
"""
