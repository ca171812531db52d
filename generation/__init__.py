"""The post-generation hook's steps, one module each (hooks/post_gen_project.py runs them)."""
